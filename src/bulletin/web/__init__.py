"""HTTP: the reader's pages, the editor's desk and (later) the REST API."""
