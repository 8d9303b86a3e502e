"""(to be built)"""
from flask import Blueprint

bp = Blueprint("take", __name__)
