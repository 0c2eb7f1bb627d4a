CREATE TABLE IF NOT EXISTS public.after_log (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
INSERT INTO public.after_log DEFAULT VALUES;
