"""Thai conventions every layer shares: baht amounts, Buddhist-Era dates, phone
numbers, the Thai font. Plain functions with no database, no LINE and no Flask, so the leaves
(flex_templates, rich_menus, nlu) may use them as freely as services do."""
