"""Content: Markdown files with YAML front matter become frozen articles and sections; safe HTML
for them."""
