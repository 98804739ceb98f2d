"""Write services of the podcast: `guests` (create behind the duplicate guard, edit, status,
merge, the knowledge base's profile upsert) and `episodes` (create, edit, start and re-date
the Podcast workflow through the tasks services)."""
