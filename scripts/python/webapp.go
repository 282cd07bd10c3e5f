package python

import _ "embed"

// WebApp is webapp.py: the web family's app in Flask, served by gunicorn.
// gunicorn imports a module, so the family writes it into a private
// temporary directory and points --chdir there.
//
//go:embed webapp.py
var WebApp []byte

// GunicornConf is gunicorn_conf.py: a post_fork hook that gives every
// gunicorn worker PR_SET_PDEATHSIG, so that it dies with its master.
//
//go:embed gunicorn_conf.py
var GunicornConf []byte
