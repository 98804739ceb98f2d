"""`manage.py podcast_kb_search QUERY [--limit N] [--json]`.

The ranked episodes and host's questions of the knowledge base, as the KB page ranks them.
`--json` prints `{"episodes": [{"title", "path", "score"}], "questions": [{"text",
"episode", "category", "score"}]}`. Exit status 1 when the KB index is missing.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from podcast.kb import search
from podcast.kb.selectors import STATE_NO_INDEX, kb_search


class Command(BaseCommand):
    help = "Search the podcast knowledge base from the shell."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="+", help="the words to search for")
        parser.add_argument("--limit", type=int, default=10, help="how many of each (10)")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        results = kb_search(" ".join(options["query"]), search.Filters(), limit=options["limit"])
        if results.state == STATE_NO_INDEX:
            raise CommandError(
                "The KB search index has not been built: run "
                "`python manage.py podcast_kb_import --reindex`."
            )
        episodes = [
            {"title": hit.item.title, "path": hit.item.path, "score": hit.score}
            for hit in results.episodes
        ]
        questions = [
            {
                "text": hit.item.text,
                "episode": hit.item.episode.code or hit.item.episode.title,
                "category": hit.item.category,
                "score": hit.score,
            }
            for hit in results.questions
        ]
        if options["json"]:
            payload = {"episodes": episodes, "questions": questions}
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        self._print(episodes, questions)

    def _print(self, episodes: list[dict], questions: list[dict]) -> None:
        self.stdout.write("Episodes:" if episodes else "Episodes: no results.")
        for rank, row in enumerate(episodes, start=1):
            self.stdout.write(f"{rank:>3}. {row['score']:>8.3f}  {row['title']}  ({row['path']})")
        self.stdout.write("Questions:" if questions else "Questions: no results.")
        for rank, row in enumerate(questions, start=1):
            self.stdout.write(
                f"{rank:>3}. {row['score']:>8.3f}  {row['text']}  "
                f"[{row['episode']}, {row['category']}]"
            )
