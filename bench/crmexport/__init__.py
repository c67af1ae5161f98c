"""The CRM export benchmark (bench/crm_export.py): fill, serve, download, measure."""
