"""The answer bot: a conversation whose every answer is a section of a public article."""
