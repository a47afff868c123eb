/** A value built on first use and kept for the life of the process (a warm Lambda reuses it). */
export const once = <T>(build: () => T): (() => T) => {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
};
