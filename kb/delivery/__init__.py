"""Delivery to the outside: e-mail over SMTP and signed JSON webhooks (sent and received)."""
