"""The Riverbrook catalogue as data files (JSON), shipped inside the package so `trellis generate`
works from an installed copy. `planner.sample_place` reads them; edit the files, not code, to
change the place."""
