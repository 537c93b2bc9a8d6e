"""Every test here may submit the tests' kinds of job."""

import tests.jobs.kinds  # noqa: F401 - registers test.count and test.wait
