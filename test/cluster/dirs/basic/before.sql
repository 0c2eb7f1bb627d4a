CREATE TABLE IF NOT EXISTS public.before_log (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
INSERT INTO public.before_log DEFAULT VALUES;
