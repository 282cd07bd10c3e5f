package python

import _ "embed"

// WebApp is webapp.py: the web family's app in Flask, served by gunicorn.
// gunicorn imports a module, so the family writes it into a private
// temporary directory and points --chdir there.
//
//go:embed webapp.py
var WebApp []byte
