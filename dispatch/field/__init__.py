"""The field talks back: crews' phone links, their status reports, and what each crew's phone shows.

- :mod:`dispatch.field.links`: a secret link per crew and shift, valid until the shift ends, reissued
  when a phone is lost;
- :mod:`dispatch.field.reports`: a status report (on the way, arrived, done, not done with a reason)
  turned into the exposure ledger's visit records, once per report id, for the crew's own stops only;
- :mod:`dispatch.field.view`: the crew's route in the current published revision, in the route sheets'
  reduced fields, and what changed for it since the revision its phone had.

Library functions take a session and never commit; :mod:`dispatch.usecases.field` does, once.
"""
