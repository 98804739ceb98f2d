"""The SOP core: parse, lint, normalize and read process docs. No Django in this package.

The contract is `SOP-FORMAT.md`; each module's docstring records how it reads the parts the
contract leaves open.
"""

from .frontmatter import Frontmatter, Split, split_frontmatter
from .identity import (
    DOC_TYPES,
    domain_of,
    generated_id,
    infer_doc_type,
    is_doc_path,
    is_valid_id,
    title_for,
)
from .lint import Violation, applies, lint, lint_messages
from .normalize import normalize
from .parser import SopParseError, parse
from .refs import DocIndex, Reference, Resolution, extract_refs, resolve
from .serializer import as_dict, serialize
from .text import Slugger, embeddable_video, headings, plain_text, search_text, slugify
from .tree import Document, Group, Prose, Screenshot, Section, Step, Todo

__all__ = [
    "DOC_TYPES",
    "DocIndex",
    "Document",
    "Frontmatter",
    "Group",
    "Prose",
    "Reference",
    "Resolution",
    "Screenshot",
    "Section",
    "Slugger",
    "SopParseError",
    "Split",
    "Step",
    "Todo",
    "Violation",
    "applies",
    "as_dict",
    "domain_of",
    "embeddable_video",
    "extract_refs",
    "generated_id",
    "headings",
    "infer_doc_type",
    "is_doc_path",
    "is_valid_id",
    "lint",
    "lint_messages",
    "normalize",
    "parse",
    "plain_text",
    "resolve",
    "search_text",
    "serialize",
    "slugify",
    "split_frontmatter",
    "title_for",
]
