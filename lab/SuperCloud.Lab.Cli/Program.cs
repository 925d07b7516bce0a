System.Console.WriteLine("lab");
