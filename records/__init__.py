"""Client records: prescriptions, documents and alerts in SQL, filed exactly once."""
