# The project's vocabulary. `make run` and `make test` are all a newcomer needs.
.PHONY: run test bench loadtest setup lint format messages

run:        ## start the app with demo data on SQLite (worker and scheduler included)
	scripts/run.sh

test:       ## the whole test suite on PostgreSQL and Redis, then on SQLite
	scripts/test.sh

bench:      ## seed SCALE opportunities into a fresh PostgreSQL database and time every page
	scripts/bench.sh $(or $(SCALE),100000)

loadtest:   ## deal-list pages per second with 8 clients against gunicorn (after make bench)
	scripts/loadtest.sh $(or $(DURATION),20) $(or $(CLIENTS),8)

setup:
	scripts/setup.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

messages:   ## refresh the Chinese catalogue after adding strings
	.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=tests --no-wrap
