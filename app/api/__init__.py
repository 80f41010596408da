"""The HTTP API: one router per resource."""

from app.api.pydantic_v1_check import answer_without_importing_v1

answer_without_importing_v1()  # before any router declares a route (app/api/pydantic_v1_check.py)
