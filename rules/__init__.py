"""The clinic's rules, as data: required fields, covered codes, expiry policy, payer overrides."""
