"""What the web app serves beside GraphQL: pages and pictures, authentication, HTTP limits and
trusted documents."""
