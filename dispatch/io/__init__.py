"""What comes in and goes out as files: importers of CSV and GeoJSON, route sheets."""
