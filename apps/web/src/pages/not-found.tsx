import { Link } from 'react-router';
import { PageTitle } from '../ui/kit';

export function NotFound() {
  return (
    <div>
      <PageTitle sub="There is no page at this address.">Not found</PageTitle>
      <Link className="text-indigo-700 underline" to="/">
        Back to the start page
      </Link>
    </div>
  );
}
