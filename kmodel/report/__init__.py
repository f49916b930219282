"""Reports of check results: text and JSON (SARIF and JUnit come with ``kmodel check``)."""
