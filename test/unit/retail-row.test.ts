import { describe, expect, it } from 'vitest';
import {
  isRowProblem,
  mapColumns,
  parseQuantity,
  parseUnitPrice,
  RowParser,
  type RetailRow,
} from '../../src/replay/retail-row.js';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country'.split(',');

/** Each record through one parser, in order: the row's fields copied, or the problem's code. */
function parseAll(records: readonly (readonly string[])[]): (Partial<RetailRow> | string)[] {
  const parser = new RowParser(mapColumns(HEADER));
  return records.map((record) => {
    const row = parser.parse(record);
    if (isRowProblem(row)) return row.code;
    const { invoice, sku, quantity, unitPrice, unitPriceMills, customerId, country } = row;
    return { invoice, sku, quantity, unitPrice, unitPriceMills, customerId, country };
  });
}

const record = (invoice: string, customer: string, country = 'United Kingdom', quantity = '6', price = '2.55') => [
  invoice,
  '85123A',
  'HEART',
  quantity,
  '12/1/2010 8:26',
  price,
  customer,
  country,
];

describe('RowParser', () => {
  it('checks a field again when it differs from the last row, and only then', () => {
    expect(
      parseAll([
        record('536365', '17850.0'),
        record('536365', '17850'),
        record('5363 65', '17850'),
        record('536366', '17850 0'),
        record('536366', ''),
        record('536366', '', ''),
        record('536367', '12345', ' France '),
      ]),
    ).toEqual([
      expect.objectContaining({ invoice: '536365', customerId: '17850', country: 'United Kingdom' }),
      expect.objectContaining({ invoice: '536365', customerId: '17850' }),
      'invoice',
      'customer',
      expect.objectContaining({ invoice: '536366', customerId: null }),
      'country',
      expect.objectContaining({ invoice: '536367', customerId: '12345', country: 'France' }),
    ]);
  });

  it('trims fields as String.prototype.trim does, the description excepted', () => {
    const parser = new RowParser(mapColumns(HEADER));
    const row = parser.parse([
      '\u00a0536365\t',
      '\u3000A1 ',
      ' HEART ',
      '\ufeff6\u2028',
      ' 12/1/2010 8:26 ',
      '\u20092.55\u205f',
      ' 17850 ',
      ' United Kingdom\r',
    ]);
    expect(isRowProblem(row) ? row : { ...row }).toEqual(
      expect.objectContaining({
        invoice: '536365',
        sku: 'A1',
        description: ' HEART ',
        quantity: 6,
        unitPrice: '2.55',
        customerId: '17850',
        country: 'United Kingdom',
      }),
    );
  });

  it('reads quantities as Number would, within the limits', () => {
    const rows = parseAll(
      ['+5', '6.0', '-007', '-0', '0.00', '100000', '-100001', '99999999999999999999', '1e3', '5.', '.5', '+', ''].map(
        (q) => record('536365', '17850', 'United Kingdom', q),
      ),
    );
    expect(rows.map((r) => (typeof r === 'string' ? r : r.quantity))).toEqual([
      5,
      6,
      -7,
      'quantity',
      'quantity',
      100_000,
      'quantity',
      'quantity',
      'quantity',
      'quantity',
      'quantity',
      'quantity',
      'quantity',
    ]);
    expect(parseQuantity('-0')).toEqual({ code: 'quantity', reason: 'quantity "-0" is zero' });
    expect(parseQuantity('100001')).toEqual({ code: 'quantity', reason: 'quantity "100001" is beyond 100000 units' });
  });

  it('takes unit prices up to the contract limit, exactly', () => {
    expect(parseUnitPrice('100000.000')).toEqual({ price: '100000.000' });
    expect(parseUnitPrice('0100000.0000')).toEqual({ price: '100000.000' });
    expect(parseUnitPrice('100000.001')).toEqual({
      code: 'unit_price',
      reason: 'unit price "100000.001" is above 100000',
    });
    expect(parseUnitPrice('1000000')).toEqual({ code: 'unit_price', reason: 'unit price "1000000" is above 100000' });
    const rows = parseAll(['99999.999', '0.001', '2.5500'].map((p) => record('536365', '1', 'X', '1', p)));
    expect(rows.map((r) => (typeof r === 'string' ? r : [r.unitPrice, r.unitPriceMills]))).toEqual([
      ['99999.999', 99_999_999],
      ['0.001', 1],
      ['2.550', 2550],
    ]);
  });
});
