"""GraphQL API, web app and command line of qcredit."""
