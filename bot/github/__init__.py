"""The one place redline talks to GitHub (PyGithub): client.py builds and retries, one module per resource."""
