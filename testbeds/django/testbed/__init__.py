"""Django project package of the tollgate Django testbed."""
