"""``dispatch serve``: the crews' phone pages and the status reports they send (FastAPI on uvicorn).

:mod:`dispatch.web.app` is the HTTP edge (JSON in and out only here), :mod:`dispatch.web.page` the page,
:mod:`dispatch.web.server` runs it. The work is done by :mod:`dispatch.usecases.field`.
"""
