CREATE TABLE invoices (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    state invoice_status NOT NULL DEFAULT 'new',
    contact email_address,
    billing address
);
