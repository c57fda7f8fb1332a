"""The index: generations on disk, embeddings, and the keyword and vector stores a build writes and
a server opens."""
