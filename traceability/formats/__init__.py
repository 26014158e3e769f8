"""Exchange formats: what goes over the wire and into files, independent of storage."""
