"""Known-item query sets for the search evaluation: the bundled `content/` (written by hand)
and a generated corpus full of the traps real repositories have.

A query names the doc a person was looking for (`expected`, paths; identical copies all
count) and its kind: `keyword` (words of the title), `paraphrase` (says what the doc is for
without a word of its title) or `typo` (a misspelt word or two).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    expected: tuple[str, ...]


def _q(kind: str, text: str, *paths: str) -> Query:
    return Query(text, kind, tuple(paths))


P = "media/podcast/sops/"
T = "media/podcast/templates/"
E = "events/"
N = "newsletter/"

BUNDLED = [
    # keyword: words of the title, as someone who knows the doc would type them
    _q("keyword", "slack dump", "community/slack/sops/create-slack-dump.md"),
    _q(
        "keyword",
        "tentative event google calendar",
        f"{E}calendar/sops/creating-tentative-event-on-google-calendar.md",
    ),
    _q("keyword", "meetup events", f"{E}meetup/sops/create-events-in-meetup-com.md"),
    _q(
        "keyword",
        "tax report accountants",
        "finance/tax-report/sops/prepare-monthly-tax-report-for-accountants.md",
    ),
    _q("keyword", "glossary", "internal-admin/reference/glossary.md"),
    _q(
        "keyword",
        "podcast question playbook",
        f"{'media/podcast/playbooks/'}podcast-question-playbook.md",
    ),
    _q("keyword", "timecodes docx", f"{P}generate-timecodes-from-docx-transcriptions.md"),
    _q(
        "keyword",
        "spotify podcasters",
        f"{P}schedule-podcast-episodes-with-spotify-for-podcaster.md",
    ),
    _q(
        "keyword", "newsletter sponsorship", f"{N}sponsorship/sops/handle-newsletter-sponsorship.md"
    ),
    _q(
        "keyword",
        "weekly social media schedule",
        "social-media/sops/weekly-social-media-schedule.md",
    ),
    _q("keyword", "maven lightning lesson", "courses/maven/sops/publish-maven-lightning-lesson.md"),
    _q(
        "keyword",
        "book of the week winners",
        "community/book-of-the-week/sops/select-and-announce-book-of-the-week-winners.md",
    ),
    _q("keyword", "cover youtube video", f"{P}updating-the-cover-of-the-youtube-video.md"),
    _q(
        "keyword",
        "trello event",
        "internal-admin/trello/sops/how-to-create-an-event-through-trello.md",
    ),
    # paraphrase: what the doc is for, in other words
    _q(
        "paraphrase",
        "export the channels of our chat workspace every month",
        "community/slack/sops/create-slack-dump.md",
    ),
    _q(
        "paraphrase",
        "hold a slot for a speaker so nobody books it",
        f"{E}calendar/sops/creating-tentative-event-on-google-calendar.md",
    ),
    _q(
        "paraphrase",
        "send bank statements to the accountants monthly",
        "finance/tax-report/sops/prepare-monthly-tax-report-for-accountants.md",
    ),
    _q(
        "paraphrase",
        "match bank transactions to receipts on monday",
        "finance/bookkeeping/sops/check-bookkeeping-invoices-and-receipts.md",
    ),
    _q(
        "paraphrase",
        "trim the waiting screen from the recording",
        f"{P}removing-the-beginning-from-the-youtube-stream.md",
    ),
    _q(
        "paraphrase",
        "replace the thumbnail of the recording",
        f"{P}updating-the-cover-of-the-youtube-video.md",
    ),
    _q(
        "paraphrase",
        "chapters for the video description",
        f"{P}generate-timecodes-from-docx-transcriptions.md",
        "media/podcast/prompts/generate-timecodes-from-transcript.md",
    ),
    _q(
        "paraphrase",
        "send the audio to the freelancer for a transcript",
        f"{P}creating-podcast-transcription-document.md",
    ),
    _q(
        "paraphrase",
        "upload the edited audio and schedule its release",
        f"{P}schedule-podcast-episodes-with-spotify-for-podcaster.md",
    ),
    _q(
        "paraphrase",
        "import registrants who opted in to the mailing list",
        f"{E}luma/sops/downloading-the-csv-file-on-luma.md",
    ),
    _q(
        "paraphrase",
        "find a working email address for a speaker",
        f"{E}outreach/sops/how-to-find-emails-of-previous-guests.md",
    ),
    _q(
        "paraphrase",
        "give the guest a profile with photo and bio on the website",
        f"{E}planning/sops/create-speaker-profiles-via-airtable-form.md",
    ),
    _q(
        "paraphrase",
        "post the event to the announcements channel",
        f"{E}sops/announce-event-in-slack-in-announcements.md",
    ),
    _q(
        "paraphrase",
        "weekly export of the subscribers audience",
        f"{N}sops/backup-mailchimp-mailing-list-to-google-drive.md",
    ),
    _q(
        "paraphrase",
        "tell a sponsor their block went out",
        f"{N}templates/sponsor-publication-live-email.md",
    ),
    _q(
        "paraphrase",
        "run the live stream and hand over the raw recording",
        f"{P}managing-podcast-workflow.md",
    ),
    _q(
        "paraphrase",
        "thank you email the day after the stream",
        f"{T}podcast-links-after-the-event-is-over.md",
    ),
    _q(
        "paraphrase",
        "who owns which account and what each tool is for",
        "internal-admin/reference/tools-and-accounts.md",
    ),
    _q(
        "paraphrase",
        "pick free slots and propose them to the guest",
        f"{P}select-and-propose-a-date-for-events.md",
    ),
    _q(
        "paraphrase",
        "turn new event ideas into cards on the board",
        "internal-admin/trello/sops/how-to-create-an-event-through-trello.md",
    ),
    _q(
        "paraphrase",
        "teaser and key takeaways of an episode",
        "media/podcast/prompts/summarise-transcript.md",
    ),
    _q(
        "paraphrase",
        "what terms like anchor date and bundle mean",
        "internal-admin/reference/glossary.md",
    ),
    # typo: misspelt as people do
    _q("typo", "mailchim newsleter", f"{N}sops/prepare-weekly-newsletter-in-mailchimp.md"),
    _q(
        "typo",
        "bookeeping invoices",
        "finance/bookkeeping/sops/check-bookkeeping-invoices-and-receipts.md",
    ),
    _q("typo", "spotfy podcaster", f"{P}schedule-podcast-episodes-with-spotify-for-podcaster.md"),
    _q("typo", "transcripton document", f"{P}creating-podcast-transcription-document.md"),
    _q(
        "typo",
        "calender invite guest",
        f"{E}calendar/sops/create-a-calender-invite-for-the-guests-speaker-for-an-event.md",
    ),
    _q("typo", "glosary", "internal-admin/reference/glossary.md"),
    _q("typo", "sponsorhip newsletter", f"{N}sponsorship/sops/handle-newsletter-sponsorship.md"),
    _q("typo", "timecodse docx", f"{P}generate-timecodes-from-docx-transcriptions.md"),
    _q("typo", "dropbxo audio", f"{P}moving-podcast-audio-in-dropbox.md"),
    _q(
        "typo",
        "airtabel speaker profile",
        f"{E}planning/sops/create-speaker-profiles-via-airtable-form.md",
    ),
]


# --- a generated corpus with traps ------------------------------------------------------------

FILLER = tuple(
    [
        "open",
        "the",
        "shared",
        "folder",
        "and",
        "check",
        "the",
        "list",
        "for",
        "this",
        "week",
        "before",
        "you",
        "continue",
        "with",
        "the",
        "next",
        "part",
        "of",
        "the",
        "work",
        "then",
        "write",
        "down",
        "what",
        "you",
        "changed",
        "and",
        "tell",
        "the",
        "team",
        "in",
        "the",
        "usual",
        "place",
        "so",
        "that",
        "everyone",
        "knows",
        "where",
        "things",
        "are",
        "when",
        "the",
        "owner",
        "is",
        "away",
        "or",
        "busy",
    ]
)
SYLLABLES = [c + v for c in "bcdfgklmnprstvz" for v in ("a", "e", "i", "o", "u", "ar", "en", "ol")]


@dataclass
class Generated:
    files: dict[str, str] = field(default_factory=dict)
    queries: list[Query] = field(default_factory=list)


def _words(rng: random.Random, count: int) -> list[str]:
    found: set[str] = set()
    while len(found) < count:
        found.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((3, 3, 4)))))
    return sorted(found)


def _sentence(rng: random.Random, special: list[str], length: int = 14) -> str:
    words = [rng.choice(FILLER) for _ in range(length)]
    for word in special:
        words.insert(rng.randrange(len(words) + 1), word)
    return " ".join(words).capitalize() + "."


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters
    return word[:i] + word[i + 1 :]  # drop one


def generate(docs: int = 400, seed: int = 20261206) -> Generated:
    """`docs` topics (each a title of its own words and a purpose told in other words), with
    three huge pages that mention everything, near-duplicates, identical copies, short docs
    without a summary, and for a sample of topics one query of each kind."""
    rng = random.Random(seed)
    # Each title word is in about two titles and each purpose word in about three docs: a
    # query word alone rarely names one doc.
    pool = _words(rng, docs * 5 // 2)
    rng.shuffle(pool)
    title_pool, purpose_pool = pool[: docs * 3 // 2], pool[docs * 3 // 2 :]
    out = Generated()
    topics = []
    for i in range(docs):
        title = rng.sample(title_pool, 3)
        purpose = rng.sample(purpose_pool, 3)
        folder = f"area-{i % 7}/sub-{i % 5}"
        path = f"{folder}/{'-'.join(title)}.md"
        short = i % 10 == 9
        out.files[path] = _doc(rng, title, purpose, short=short)
        topics.append((path, title, purpose))
    for i in range(3):
        everything = [w for _, t, p in topics for w in t + p]
        rng.shuffle(everything)
        body = "\n\n".join(
            _sentence(rng, everything[j : j + 8]) for j in range(0, len(everything), 8)
        )
        out.files[f"examples/everything-{i}.md"] = (
            f"# Examples {i}\n\n" + "\n\n".join([body] * 12) + "\n"
        )
    for path, _, purpose in topics[:30]:  # near-duplicates: an older draft
        draft = out.files[path].replace(" ".join(purpose), " ".join(purpose[:1]), 1)
        out.files[f"drafts/{path.rsplit('/', 1)[-1]}"] = draft.replace("# ", "# Draft: ", 1)
    copies: dict[str, tuple[str, ...]] = {}
    for path, _, _ in topics[30:50]:  # identical copies in another folder
        copy = f"mirror/{path}"
        out.files[copy] = out.files[path]
        copies[path] = (path, copy)
    owners: dict[str, set[str]] = defaultdict(set)
    for path, title, purpose in topics:
        for word in title + purpose:
            owners[word].add(path)
    for path, title, purpose in rng.sample(topics, 150):
        expected = copies.get(path, (path,))
        out.queries.append(Query(" ".join(rng.sample(title, 2)), "keyword", expected))
        # Two purpose words that name this topic alone (a known item has one answer).
        pairs = [(a, b) for a in purpose for b in purpose if a < b]
        unique = [p for p in pairs if owners[p[0]] & owners[p[1]] == {path}] or pairs
        words = list(rng.choice(unique)) + [rng.choice(FILLER)]
        out.queries.append(Query(" ".join(words), "paraphrase", expected))
        typo = [_typo(rng, title[0]), title[1]]
        out.queries.append(Query(" ".join(typo), "typo", expected))
    return out


def _doc(rng: random.Random, title: list[str], purpose: list[str], *, short: bool) -> str:
    heading = " ".join(title).capitalize()
    if short:
        return f"# {heading}\n\n{_sentence(rng, purpose, 6)}\n"
    summary = f"summary: To {' '.join(purpose)} for the team.\n"
    steps = "\n".join(
        f"{n}. {_sentence(rng, [rng.choice(purpose)] if n % 2 else [])}" for n in range(1, 7)
    )
    body = "\n\n".join(_sentence(rng, [rng.choice(title)]) for _ in range(rng.randint(2, 8)))
    return (
        f"---\ntitle: {heading}\n{summary}---\n\n# {heading}\n\n"
        f"## Why\n\n{_sentence(rng, purpose)}\n\n## Steps\n\n{steps}\n\n## Notes\n\n{body}\n"
    )
