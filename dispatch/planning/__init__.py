"""The nightly plan: crews on shift, problem building, region split, solving, plan assembly and summary."""
