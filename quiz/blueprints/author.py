"""(to be built)"""
from flask import Blueprint

bp = Blueprint("author", __name__)
