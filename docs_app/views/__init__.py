"""Docs pages, one module per area: browse (tree, doc pages, assets, pins), search
(full-text, suggestions, quick-open), quality (process-quality report), sync (Sync now and
the signed webhook)."""
