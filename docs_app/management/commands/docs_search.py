"""`manage.py docs_search QUERY [--limit N] [--domain D] [--type T] [--json]`.

Prints the same ranked results as the search page (same engine, same order). With `--json`
the output is a list of `{path, id, title, score}`. Exit status 1 when the index is missing.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from docs_app import search


class Command(BaseCommand):
    help = "Search the process docs from the shell."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="+", help="the words to search for")
        parser.add_argument("--limit", type=int, default=10, help="how many results (10)")
        parser.add_argument("--domain", default="", help="only docs of this domain")
        parser.add_argument("--type", dest="doc_type", default="", help="only this doc type")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        results = search.search(
            " ".join(options["query"]),
            filters=search.Filters(domain=options["domain"], doc_type=options["doc_type"]),
            per_page=options["limit"],
            highlights=False,
            facets=False,
        )
        if results.state == search.INDEX_MISSING:
            raise CommandError(
                "The search index has not been built: run `python manage.py docs_reindex`."
            )
        if options["json"]:
            rows = [
                {"path": h.path, "id": h.doc_id, "title": h.title, "score": h.score}
                for h in results.hits
            ]
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        self._print(results)

    def _print(self, results):
        if results.suggestion:
            self.stdout.write(f"Did you mean: {results.suggestion}")
        if not results.hits:
            self.stdout.write("No results.")
            return
        for rank, hit in enumerate(results.hits, start=1):
            self.stdout.write(f"{rank:>3}. {hit.score:>8.3f}  {hit.title}")
            self.stdout.write(f"               {hit.path}  ({hit.doc_id})")
