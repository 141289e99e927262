describe("toolchain", () => {
  it("runs WebAssembly SIMD", () => {
    const v = i8x16.swizzle(i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), i8x16(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    expect<i8>(i8x16.extract_lane_s(v, 0)).toBe(15);
  });
});
