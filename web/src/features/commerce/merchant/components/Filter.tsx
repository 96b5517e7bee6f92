/** A row of mutually exclusive choices (a status filter, the inbox views). */
export function Filter<T extends string>({
  options,
  value,
  onChange,
  testId,
}: {
  options: { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
  testId: string;
}) {
  return (
    <div class="merchant-filter" role="tablist" data-testid={testId}>
      {options.map((option) => (
        <button
          type="button"
          key={option.value}
          role="tab"
          aria-selected={option.value === value}
          class={option.value === value ? 'active' : ''}
          data-testid={`${testId}-${option.value}`}
          onClick={() => onChange(option.value)}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}
