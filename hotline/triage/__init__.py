"""Triage: Django-side commands for the message classifier in `hotline.intelligence`."""
