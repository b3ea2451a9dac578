"""Small pure parsers for the facts on a prescription: text in, a typed value (or None) out."""
