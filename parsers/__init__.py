"""Mail and documents in, text and a typed prescription out. Pure where possible."""
