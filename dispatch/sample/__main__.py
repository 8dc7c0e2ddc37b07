"""python -m dispatch.sample: write a generated sample region (see dispatch.sample.region.main)."""

from dispatch.sample.region import main

main()
