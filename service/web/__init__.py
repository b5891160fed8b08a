"""HTTP plumbing shared by the routes: app state, errors, request bodies, auth, CORS, limits."""
