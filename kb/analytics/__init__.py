"""Analytics: searches, clicks and votes recorded off the request path, figures from them, popular
searches, one gap queue."""
