//! Nothing here: the tests are in tests/e2e/ and run the built app.
