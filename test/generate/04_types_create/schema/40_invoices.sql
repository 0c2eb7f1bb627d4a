CREATE TABLE invoices (
    id bigint PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    state status NOT NULL DEFAULT 'new',
    amount money_amount,
    contact email_address,
    billing address
);
