import { fileURLToPath } from 'node:url';

/** The bundled UCI Online Retail data set (data/README.md). */
export const onlineRetailCsv = fileURLToPath(new URL('../../data/online-retail.csv.gz', import.meta.url));
