"""The baseline: a bare Flask "Hello, World!", served under the project's gunicorn settings."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
