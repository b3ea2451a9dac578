"""The staff side: the review web page and the alert commands."""
