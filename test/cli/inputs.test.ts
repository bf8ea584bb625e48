/** How `--input` reads values: the type from the value, or stated with name:type=value. */
import { expect, it } from 'vitest';
import { parseInput, parseInputs } from '../../apps/cli/inputs';
import { UsageError } from '../../apps/cli/exit-codes';

it('reads the type from the value', () => {
  expect(parseInputs(['n=10', 'x=-1.5', 'e=1e3', 'on=true', 'off=false', 'obj={"a":[1,2]}', 'list=[1,"b"]', 's=hello world', 'q="42"', 'empty='])).toEqual({
    n: { type: 'integer', integer: 10 },
    x: { type: 'float', float: -1.5 },
    e: { type: 'float', float: 1000 },
    on: { type: 'boolean', flag: true },
    off: { type: 'boolean', flag: false },
    obj: { type: 'json', json: { a: [1, 2] } },
    list: { type: 'json', json: [1, 'b'] },
    s: { type: 'text', text: 'hello world' },
    q: { type: 'text', text: '42' },
    empty: { type: 'text', text: '' },
  });
});

it('takes a stated type over the guess', () => {
  expect(parseInput('n:text=10')).toEqual(['n', { type: 'text', text: '10' }]);
  expect(parseInput('x:float=2')).toEqual(['x', { type: 'float', float: 2 }]);
  expect(parseInput('j:json="a string"')).toEqual(['j', { type: 'json', json: 'a string' }]);
  expect(parseInput('eq=a=b')).toEqual(['eq', { type: 'text', text: 'a=b' }]);
});

it('refuses what it cannot read, naming the input', () => {
  for (const [spec, message] of [
    ['n', /write name=value/],
    ['n:integer=1.5', /1.5 is not an integer/],
    ['n:integer=99999999999999999999', /is not an integer/],
    ['b:boolean=yes', /yes is not true or false/],
    ['j={oops', /is not valid JSON/],
    ['x:date=today', /unknown type date/],
  ] as const) {
    expect(() => parseInput(spec)).toThrow(UsageError);
    expect(() => parseInput(spec)).toThrow(message);
  }
  expect(() => parseInputs(['n=1', 'n=2'])).toThrow(/given twice/);
});
