"""The PostgreSQL database backend of the platform (Django's, with a cheaper health check)."""
