"""Wide outages ("padam meluas"): open no-power reports grouped by the distribution network into one
outdoor job at the asset that explains them (:func:`group_outages`), and what follows when that job is
done (:mod:`dispatch.outages.loop`)."""
