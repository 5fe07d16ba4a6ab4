"""Text helpers shared by ingest and answering: sentence splitting, document ids."""
